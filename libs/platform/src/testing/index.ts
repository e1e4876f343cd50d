// Test helpers that need platform code; imported as @voltstream/platform/testing, by tests only.
export * from './read-model-harness';
export * from './identity-events';
