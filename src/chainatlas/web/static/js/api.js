// The API client: GET answers are cached in memory per URL; errors arrive in the one error shape.
// Every request carries the signed-in user's token (if any); every state-changing one goes through
// `send`, which adds the anti-forgery header the server requires (see chainatlas/api/security.py).
const cache = new Map();
/** Where the token of `POST /api/login` is kept: this tab's session (gone when the tab closes). */
const TOKEN_KEY = "chainatlas.token";

export class ApiError extends Error {
  constructor(status, type, message, details) {
    super(message);
    this.status = status;
    this.type = type;
    this.details = details || [];
  }
}

export function url(path, params = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === null || v === undefined || v === "") continue;
    if (Array.isArray(v)) v.forEach((x) => q.append(k, x));
    else q.append(k, v);
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/** The signed-in user's token, or null. */
export function getToken() {
  try { return sessionStorage.getItem(TOKEN_KEY); } catch { return null; }
}

/** Keep `token` for the requests of this tab (null signs out); cached answers are forgotten, since
 * another user may see other answers. */
export function setToken(token) {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch { /* storage refused (private mode): the token lives until the page is left */ }
  cache.clear();
}

function authorization() {
  const token = getToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/** The body of an answer, or an ApiError in the one error shape. A 401 (other than a refused sign-in)
 * means the token ended: the window hears `chainatlas:unauthorised`. */
async function parse(res) {
  let body = null;
  try { body = await res.json(); } catch { body = null; }
  if (!res.ok) {
    const e = body && body.error ? body.error : { status: res.status, type: "HTTPError", message: res.statusText };
    if (res.status === 401 && new URL(res.url).pathname !== "/api/login") {
      window.dispatchEvent(new CustomEvent("chainatlas:unauthorised", { detail: e }));
    }
    throw new ApiError(e.status, e.type, e.message, e.details);
  }
  return body;
}

/** GET a JSON answer (cached). */
export function get(path, params = {}) {
  const u = url(path, params);
  if (!cache.has(u)) {
    const p = fetch(u, { headers: { Accept: "application/json", ...authorization() } }).then(parse);
    p.catch(() => cache.delete(u));
    cache.set(u, p);
  }
  return cache.get(u);
}

/** The header every state-changing request carries (the server refuses a POST, PUT, PATCH or DELETE
 * without it): a page of another site cannot send it, since a custom header needs a CORS preflight
 * that the server never grants. */
export const CSRF_HEADER = Object.freeze({ "X-Requested-With": "chainatlas" });

/** Send a state-changing request (POST, PUT, PATCH, DELETE) with the anti-forgery header and the token;
 * not cached. Every non-GET request of the UI goes through here. Returns the Response. */
export function send(method, path, params = {}, body = null, contentType = "application/octet-stream") {
  const headers = { ...CSRF_HEADER, Accept: "application/json", ...authorization() };
  if (body !== null && body !== undefined) headers["Content-Type"] = contentType;
  return fetch(url(path, params), { method, body, headers, credentials: "same-origin" });
}

/** POST raw bytes or nothing; not cached. */
export async function post(path, params = {}, body = null, contentType = "application/octet-stream") {
  return parse(await send("POST", path, params, body, contentType));
}

/** POST a form (the sign-in: `POST /api/login` with username and password); not cached. */
export async function postForm(path, fields) {
  return post(path, {}, new URLSearchParams(fields), "application/x-www-form-urlencoded");
}

/** DELETE a resource (204, or an error in the one shape). */
export async function del(path, params = {}) {
  const res = await send("DELETE", path, params);
  if (!res.ok && res.status !== 204) await parse(res);
}

/** Forget cached answers (after loading data). */
export function clearCache() { cache.clear(); }
