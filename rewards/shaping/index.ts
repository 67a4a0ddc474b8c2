// Registers every reward of the shaping family (imported for its side effects by rewards/index.ts).
export {};
