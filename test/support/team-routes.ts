import { Controller, Get, Module } from '@nestjs/common';
import { CurrentUser } from '../../src/access/current-user.decorator';
import type { AuthenticatedUser } from '../../src/access/principal';
import { RequireAuth } from '../../src/access/require-auth.decorator';

/**
 * A team's own routes, written as README's "Protect your own route" shows
 * (import, decorator, handler), mounted next to the app's through
 * createApp's extraModules.
 */
@Controller('team')
export class TeamRoutesController {
  @Get('recent')
  @RequireAuth({ maxAge: 60 })
  recent(@CurrentUser() user: AuthenticatedUser) {
    return { userId: user.id };
  }

  @Get('strong')
  @RequireAuth({ acr: 'phr' })
  strong(@CurrentUser() user: AuthenticatedUser) {
    return { userId: user.id };
  }

  @Get('recent-and-strong')
  @RequireAuth({ maxAge: 60, acr: 'phr' })
  recentAndStrong(@CurrentUser() user: AuthenticatedUser) {
    return { userId: user.id };
  }
}

@Module({ controllers: [TeamRoutesController] })
export class TeamRoutesModule {}
