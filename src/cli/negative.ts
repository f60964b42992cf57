/** Thrown by a command whose answer is "no" (differences found, checks failed): exit status 1, no error message. */
export class NegativeAnswer extends Error {}
