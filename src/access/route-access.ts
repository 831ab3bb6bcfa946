/**
 * What a route accepts, set by exactly one of @Public(), @PreAuth() and
 * @Authenticated() and read by the global JwtAuthGuard. A route without any
 * needs an access token all the same: deny by default.
 */
export const ROUTE_ACCESS = 'access:route';

export type RouteAccess = 'public' | 'pre-auth' | 'access-token';
