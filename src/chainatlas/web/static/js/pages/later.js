// Pages planned by the design (alerts, scenarios, enclaves, matching, policies): a short description
// of what each will do, so the shell already has their place.
import { t } from "../i18n.js";

export async function render(root, ctx) {
  root.innerHTML = `<div class="placeholder" data-later="${ctx.page}"><h2>${t("nav." + ctx.page)} · ${t("later.title")}</h2>
    <p>${t("later." + ctx.page)}</p></div>`;
}
