import { Injectable, PipeTransform } from '@nestjs/common';
import { VersionSelector, parseSchemaId, parseVersion, validateSubject } from '../registry/requests';

@Injectable()
export class SubjectPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    return validateSubject(value);
  }
}

@Injectable()
export class VersionPipe implements PipeTransform<string, VersionSelector> {
  transform(value: string): VersionSelector {
    return parseVersion(value);
  }
}

@Injectable()
export class SchemaIdPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    return parseSchemaId(value);
  }
}
