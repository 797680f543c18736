export * from './test-service';
export * from './describe-standard-service';
