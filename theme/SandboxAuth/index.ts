/**
 * Where the page gets the operator's token for `POST /api/sessions` when the
 * server runs in `auth.mode: "jwt"`. The default sends none (anonymous mode).
 *
 * A site that signs its readers in overrides this module (swizzle it, or create
 * `src/theme/SandboxAuth/index.js`) and returns the bearer token; it is sent as
 * `Authorization: Bearer <token>`, never in a URL.
 */
export default async function getAuthToken(): Promise<string | undefined> {
  return undefined;
}
