import { Controller, Get, Param, Query } from '@nestjs/common';
import { isTrue } from '../registry/requests';
import { Public } from '@omnibus/service-kit';
import { SchemaRegistry } from '../registry/schema-registry';
import { SchemaIdPipe } from './pipes';

/** `/schemas`: schemas by global id. */
@Public()
@Controller('schemas')
export class SchemasController {
  constructor(private readonly registry: SchemaRegistry) {}

  @Get('types')
  types() {
    return ['AVRO'];
  }

  @Get('ids/:id')
  async byId(@Param('id', SchemaIdPipe) id: number) {
    const found = await this.registry.schemaById(id);
    return { schema: found.schema, ...(found.references.length > 0 ? { references: found.references } : {}) };
  }

  @Get('ids/:id/schema')
  async rawById(@Param('id', SchemaIdPipe) id: number): Promise<string> {
    return (await this.registry.schemaById(id)).schema;
  }

  @Get('ids/:id/versions')
  versions(@Param('id', SchemaIdPipe) id: number, @Query('deleted') deleted?: string) {
    return this.registry.versionsOfSchema(id, isTrue(deleted));
  }

  @Get('ids/:id/subjects')
  subjects(@Param('id', SchemaIdPipe) id: number, @Query('deleted') deleted?: string) {
    return this.registry.subjectsOfSchema(id, isTrue(deleted));
  }
}
