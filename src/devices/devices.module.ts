import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DeviceToken } from './device-token.entity';
import { DeviceTokensService } from './device-tokens.service';

@Module({
  imports: [TypeOrmModule.forFeature([DeviceToken])],
  providers: [DeviceTokensService],
  exports: [DeviceTokensService],
})
export class DevicesModule {}
