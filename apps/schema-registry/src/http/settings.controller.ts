import { Body, Controller, Delete, Get, Param, Put, Query } from '@nestjs/common';
import { isTrue, parseCompatibilityRequest, parseModeRequest } from '../registry/requests';
import { Public } from '@omnibus/service-kit';
import { SchemaRegistry } from '../registry/schema-registry';
import { SubjectPipe } from './pipes';

/** `/config`: compatibility level, global and per subject. */
@Public()
@Controller('config')
export class ConfigController {
  constructor(private readonly registry: SchemaRegistry) {}

  @Get()
  async global() {
    return { compatibilityLevel: await this.registry.globalSetting('compatibility') };
  }

  @Put()
  async setGlobal(@Body() body: unknown) {
    const compatibility = parseCompatibilityRequest(body);
    await this.registry.setGlobalSetting('compatibility', compatibility);
    return { compatibility };
  }

  @Delete()
  async resetGlobal() {
    return { compatibilityLevel: await this.registry.resetGlobalSetting('compatibility') };
  }

  /** 40408 when the subject has no level of its own, unless `defaultToGlobal=true`. */
  @Get(':subject')
  async subject(@Param('subject', SubjectPipe) subject: string, @Query('defaultToGlobal') defaultToGlobal?: string) {
    return { compatibilityLevel: await this.registry.subjectSetting('compatibility', subject, isTrue(defaultToGlobal)) };
  }

  @Put(':subject')
  async setSubject(@Param('subject', SubjectPipe) subject: string, @Body() body: unknown) {
    const compatibility = parseCompatibilityRequest(body);
    await this.registry.setSubjectSetting('compatibility', subject, compatibility);
    return { compatibility };
  }

  @Delete(':subject')
  async deleteSubject(@Param('subject', SubjectPipe) subject: string) {
    return { compatibilityLevel: await this.registry.deleteSubjectSetting('compatibility', subject) };
  }
}

/** `/mode`: READWRITE, READONLY (no registrations or deletes) or IMPORT (ids chosen by the caller). */
@Public()
@Controller('mode')
export class ModeController {
  constructor(private readonly registry: SchemaRegistry) {}

  @Get()
  async global() {
    return { mode: await this.registry.globalSetting('mode') };
  }

  @Put()
  async setGlobal(@Body() body: unknown) {
    const mode = parseModeRequest(body);
    await this.registry.setGlobalSetting('mode', mode);
    return { mode };
  }

  @Delete()
  async resetGlobal() {
    return { mode: await this.registry.resetGlobalSetting('mode') };
  }

  @Get(':subject')
  async subject(@Param('subject', SubjectPipe) subject: string, @Query('defaultToGlobal') defaultToGlobal?: string) {
    return { mode: await this.registry.subjectSetting('mode', subject, isTrue(defaultToGlobal)) };
  }

  @Put(':subject')
  async setSubject(@Param('subject', SubjectPipe) subject: string, @Body() body: unknown) {
    const mode = parseModeRequest(body);
    await this.registry.setSubjectSetting('mode', subject, mode);
    return { mode };
  }

  @Delete(':subject')
  async deleteSubject(@Param('subject', SubjectPipe) subject: string) {
    return { mode: await this.registry.deleteSubjectSetting('mode', subject) };
  }
}
