import { SetMetadata } from '@nestjs/common';
import { ROUTE_ACCESS, type RouteAccess } from './route-access';

/** Opts a route out of token checks, and so out of the document's security requirements. Deny by default otherwise. */
export const Public = () => SetMetadata<string, RouteAccess>(ROUTE_ACCESS, 'public');
