// The API client: GET answers are cached in memory per URL; errors arrive in the one error shape.
const cache = new Map();

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

async function parse(res) {
  let body = null;
  try { body = await res.json(); } catch { body = null; }
  if (!res.ok) {
    const e = body && body.error ? body.error : { status: res.status, type: "HTTPError", message: res.statusText };
    throw new ApiError(e.status, e.type, e.message, e.details);
  }
  return body;
}

/** GET a JSON answer (cached). */
export function get(path, params = {}) {
  const u = url(path, params);
  if (!cache.has(u)) {
    const p = fetch(u, { headers: { Accept: "application/json" } }).then(parse);
    p.catch(() => cache.delete(u));
    cache.set(u, p);
  }
  return cache.get(u);
}

/** POST raw bytes or nothing; not cached. */
export async function post(path, params = {}, body = null, contentType = "application/octet-stream") {
  const res = await fetch(url(path, params), { method: "POST", body, headers: body ? { "Content-Type": contentType } : {} });
  return parse(res);
}

export async function del(path) {
  const res = await fetch(path, { method: "DELETE" });
  if (!res.ok && res.status !== 204) await parse(res);
}

/** Forget cached answers (after loading data). */
export function clearCache() { cache.clear(); }
