/**
 * passport-jwt's key callback. Its typings say string | Buffer, but the key
 * goes straight to jsonwebtoken, which takes a KeyObject: passing the
 * pre-parsed KeyObject (cast to the typing) is what avoids re-parsing a
 * string key on every request.
 */
export type KeyCallback = (error: Error | null, key?: string | Buffer) => void;
