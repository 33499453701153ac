// Short-lived TURN credentials in the form coturn checks with `use-auth-secret` (the TURN REST API).
/** In TURN_URLS set by the managed coturn: replaced by the host the browser reached Podium at. */
export const REQUEST_HOST = '{request-host}';

export interface TurnServer {
  urls: string[];
  username: string;
  credential: string;
}

/**
 * The username carries its own expiry (`<unix seconds>:<participant id>`) and the credential is
 * base64(HMAC-SHA1(secret, username)), so coturn verifies it with no call back to Podium, and a leaked
 * credential stops working after `ttlSeconds`. Web Crypto keeps this runnable on Node and Deno alike.
 */
export async function turnCredentials(
  options: { urls: string[]; secret: string; ttlSeconds: number; participantId: string },
  now = Date.now(),
): Promise<TurnServer> {
  const username = `${Math.floor(now / 1000) + options.ttlSeconds}:${options.participantId}`;
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey('raw', encoder.encode(options.secret), { name: 'HMAC', hash: 'SHA-1' }, false, ['sign']);
  const signature = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(username)));
  return { urls: options.urls, username, credential: btoa(String.fromCharCode(...signature)) };
}
