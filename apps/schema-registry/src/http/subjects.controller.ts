import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { isTrue, parseSchemaRequest, VersionSelector } from '../registry/requests';
import { Public } from '@omnibus/service-kit';
import { SchemaRegistry, SubjectVersion } from '../registry/schema-registry';
import { SubjectPipe, VersionPipe } from './pipes';

/** `/subjects`: versions per subject, registration, lookup and deletes. */
@Public()
@Controller('subjects')
export class SubjectsController {
  constructor(private readonly registry: SchemaRegistry) {}

  @Get()
  list(@Query('deleted') deleted?: string, @Query('deletedOnly') deletedOnly?: string, @Query('subjectPrefix') prefix?: string) {
    return this.registry.subjects({ includeDeleted: isTrue(deleted), deletedOnly: isTrue(deletedOnly), prefix });
  }

  @Get(':subject/versions')
  versions(@Param('subject', SubjectPipe) subject: string, @Query('deleted') deleted?: string, @Query('deletedOnly') deletedOnly?: string) {
    return this.registry.versions(subject, { includeDeleted: isTrue(deleted), deletedOnly: isTrue(deletedOnly) });
  }

  @Get(':subject/versions/:version')
  async version(
    @Param('subject', SubjectPipe) subject: string,
    @Param('version', VersionPipe) version: VersionSelector,
    @Query('deleted') deleted?: string,
  ) {
    return versionBody(await this.registry.subjectVersion(subject, version, isTrue(deleted)));
  }

  /** The schema itself, unescaped. */
  @Get(':subject/versions/:version/schema')
  async rawSchema(
    @Param('subject', SubjectPipe) subject: string,
    @Param('version', VersionPipe) version: VersionSelector,
    @Query('deleted') deleted?: string,
  ): Promise<string> {
    return (await this.registry.subjectVersion(subject, version, isTrue(deleted))).schema;
  }

  @Get(':subject/versions/:version/referencedby')
  referencedBy(@Param('subject', SubjectPipe) subject: string, @Param('version', VersionPipe) version: VersionSelector) {
    return this.registry.referencedBy(subject, version);
  }

  /** Registers (or finds) the schema under the subject; answers its global id. */
  @Post(':subject/versions')
  @HttpCode(200)
  async register(@Param('subject', SubjectPipe) subject: string, @Body() body: unknown) {
    const { id } = await this.registry.register(subject, parseSchemaRequest(body));
    return { id };
  }

  /** Which version of the subject holds this schema? */
  @Post(':subject')
  @HttpCode(200)
  async lookup(@Param('subject', SubjectPipe) subject: string, @Body() body: unknown, @Query('deleted') deleted?: string) {
    return versionBody(await this.registry.lookup(subject, parseSchemaRequest(body), isTrue(deleted)));
  }

  @Delete(':subject')
  deleteSubject(@Param('subject', SubjectPipe) subject: string, @Query('permanent') permanent?: string) {
    return this.registry.deleteSubject(subject, isTrue(permanent));
  }

  @Delete(':subject/versions/:version')
  async deleteVersion(
    @Param('subject', SubjectPipe) subject: string,
    @Param('version', VersionPipe) version: VersionSelector,
    @Query('permanent') permanent?: string,
  ): Promise<string> {
    // The body is the bare number, e.g. `1`.
    return String(await this.registry.deleteVersion(subject, version, isTrue(permanent)));
  }
}

/** Confluent's shape: `schemaType` is omitted for AVRO, `references` when there are none. */
export function versionBody(found: SubjectVersion) {
  return {
    subject: found.subject,
    version: found.version,
    id: found.id,
    schema: found.schema,
    ...(found.references.length > 0 ? { references: found.references } : {}),
  };
}
