import { Body, Controller, HttpCode, Param, Post, Query } from '@nestjs/common';
import { isTrue, parseSchemaRequest, VersionSelector } from '../registry/requests';
import { Public } from '@omnibus/service-kit';
import { CompatibilityOutcome, SchemaRegistry } from '../registry/schema-registry';
import { SubjectPipe, VersionPipe } from './pipes';

/** `/compatibility`: would this schema be accepted? Nothing is written. */
@Public()
@Controller('compatibility/subjects/:subject/versions')
export class CompatibilityController {
  constructor(private readonly registry: SchemaRegistry) {}

  @Post(':version')
  @HttpCode(200)
  async againstVersion(
    @Param('subject', SubjectPipe) subject: string,
    @Param('version', VersionPipe) version: VersionSelector,
    @Body() body: unknown,
    @Query('verbose') verbose?: string,
  ) {
    return compatibilityBody(await this.registry.testCompatibility(subject, version, parseSchemaRequest(body)), isTrue(verbose));
  }

  @Post()
  @HttpCode(200)
  async againstLevel(@Param('subject', SubjectPipe) subject: string, @Body() body: unknown, @Query('verbose') verbose?: string) {
    return compatibilityBody(await this.registry.testCompatibility(subject, undefined, parseSchemaRequest(body)), isTrue(verbose));
  }
}

/** Messages come with `verbose=true`, and whenever the schema is incompatible: they say which field and rule. */
function compatibilityBody(outcome: CompatibilityOutcome, verbose: boolean) {
  return {
    is_compatible: outcome.compatible,
    ...(verbose || !outcome.compatible ? { messages: outcome.messages } : {}),
  };
}
