import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper';
import { ROUTE_ACCESS, type RouteAccess } from '../../src/access/route-access';
import type { TestApp } from './test-app';

export type RouteAuth = RouteAccess;

export interface ControllerRoute {
  method: string;
  /** Full path, Nest style (`:param`). */
  path: string;
  /** What JwtAuthGuard asks for, with the guard's own precedence. */
  auth: RouteAuth;
  /** The handler and its controller: where route metadata lives. */
  targets: [handler: (...args: unknown[]) => unknown, controller: new (...args: unknown[]) => unknown];
  instance: Record<string, unknown>;
  wrapper: InstanceWrapper;
}

function joinPath(...parts: string[]): string {
  const path = `/${parts.filter(Boolean).join('/')}`.replace(/\/+/g, '/');
  return path.length > 1 ? path.replace(/\/$/, '') : path;
}

/**
 * Every controller route of a running app, from Nest's own metadata, so a
 * new route shows up in the tests that list routes without anyone adding it.
 */
export function controllerRoutes(t: TestApp): ControllerRoute[] {
  const discovery = new DiscoveryService(t.app.get(ModulesContainer));
  const scanner = new MetadataScanner();
  const reflector = new Reflector();
  const routes: ControllerRoute[] = [];
  for (const wrapper of discovery.getControllers()) {
    const instance = wrapper.instance as Record<string, unknown>;
    const controller = wrapper.metatype as new (...args: unknown[]) => unknown;
    const controllerPaths = ([] as string[]).concat(Reflect.getMetadata(PATH_METADATA, controller) ?? '/');
    for (const name of scanner.getAllMethodNames(Object.getPrototypeOf(instance))) {
      const handler = instance[name] as (...args: unknown[]) => unknown;
      const methodPaths: string | string[] | undefined = Reflect.getMetadata(PATH_METADATA, handler);
      if (methodPaths === undefined) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
      const targets: ControllerRoute['targets'] = [handler, controller];
      const auth: RouteAuth =
        reflector.getAllAndOverride<RouteAccess | undefined>(ROUTE_ACCESS, targets) ?? 'access-token';
      for (const controllerPath of controllerPaths) {
        for (const methodPath of ([] as string[]).concat(methodPaths)) {
          routes.push({ method, path: joinPath(controllerPath, methodPath), auth, targets, instance, wrapper });
        }
      }
    }
  }
  return routes;
}
