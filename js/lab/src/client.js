// The sidebar's requests to live_nb's server extension (live_nb/server/handlers.py documents
// the routes). `request(url, init)` is JupyterLab's ServerConnection.makeRequest bound to the
// app's server settings (it adds the token and the XSRF header); every path sent is relative
// to the server's root folder, as the file browser names it.

export const API = "live-nb/api";
export const BUNDLE = "live-nb/static/table.js";

/**
 * @param {string} baseUrl the server's base URL, ending in "/"
 * @param {(url: string, init: RequestInit) => Promise<Response>} request
 */
export function makeClient(baseUrl, request) {
  const url = (route, query = new URLSearchParams()) => `${baseUrl}${API}/${route}?${query}`;

  async function answer(response) {
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    return { ok: response.ok, status: response.status, data };
  }

  return {
    bundleUrl: `${baseUrl}${BUNDLE}`,

    /**
     * The table of the folder `path`; `etag` is the last one received. Resolves to
     * {status: 304} when nothing changed, else {ok, status, data, etag}.
     */
    async table(path, etag) {
      const headers = etag ? { "If-None-Match": etag } : {};
      const response = await request(url("experiments", new URLSearchParams({ path })), {
        method: "GET",
        headers,
        cache: "no-store",
      });
      if (response.status === 304) return { ok: true, status: 304, data: null, etag };
      return { ...(await answer(response)), etag: response.headers.get("ETag") };
    },

    /** The live runs of the folder `path`, as `table` answers (304 when unchanged). */
    async running(path, etag) {
      const headers = etag ? { "If-None-Match": etag } : {};
      const response = await request(url("running", new URLSearchParams({ path })), {
        method: "GET",
        headers,
        cache: "no-store",
      });
      if (response.status === 304) return { ok: true, status: 304, data: null, etag };
      return { ...(await answer(response)), etag: response.headers.get("ETag") };
    },

    async histories(path, ids) {
      const query = new URLSearchParams({ path });
      for (const id of ids) query.append("id", id);
      return answer(await request(url("histories", query), { method: "GET", cache: "no-store" }));
    },

    /** A GET of `route` (under live-nb/api) with `path` and the `params` given. */
    async get(route, path, params = {}) {
      const query = new URLSearchParams({ ...params, path });
      return answer(await request(url(route, query), { method: "GET", cache: "no-store" }));
    },

    async act(path, action, body) {
      const response = await request(url(action), {
        method: "POST",
        body: JSON.stringify({ ...body, path }),
        headers: { "Content-Type": "application/json" },
      });
      return answer(response);
    },
  };
}
