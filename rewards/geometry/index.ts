// Registers every reward of the geometry family (imported for its side effects by rewards/index.ts).
export {};
