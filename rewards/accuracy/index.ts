// Registers every reward of the accuracy family (imported for its side effects by rewards/index.ts).
export {};
