/** URLs as fv shows them: without any userinfo (user:password@) they may carry. */

/** `https://user:secret@host/x` -> `https://host/x`; anything unparsable is shown as given minus a userinfo-looking prefix. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username === '' && u.password === '') return url;
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url.replace(/\/\/[^/@]*@/, '//');
  }
}

/** Whether a URL carries userinfo. */
export function hasUserinfo(url: string): boolean {
  try {
    const u = new URL(url);
    return u.username !== '' || u.password !== '';
  } catch {
    return /\/\/[^/@]*@/.test(url);
  }
}
