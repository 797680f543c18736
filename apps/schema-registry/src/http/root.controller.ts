import { Controller, Get } from '@nestjs/common';
import { Public } from '@omnibus/service-kit';

/** Confluent's `GET /`: clients use it as a cheap "is it there". */
@Public()
@Controller()
export class RootController {
  @Get()
  root() {
    return {};
  }
}
