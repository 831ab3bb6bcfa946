const MAX_LENGTH = 256;

/**
 * A client-supplied string made safe for a log line: control characters
 * (CR and LF included), DEL, the C1 range and the Unicode line separators
 * become visible \uXXXX escapes, so a username cannot forge a second log
 * line in a plain-text viewer; long values are cut.
 */
export function escapeForLog(value: string): string {
  const cut = value.length > MAX_LENGTH ? `${value.slice(0, MAX_LENGTH)}…` : value;
  return cut.replace(
    // Control characters are exactly what this expression is for.
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
