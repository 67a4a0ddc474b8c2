// Registers every reward of the format family (imported for its side effects by rewards/index.ts).
export {};
