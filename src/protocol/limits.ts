// Bounds the host applies to what a guest hands back, shared by the decoders of protocol/.

/** Longest error text the host keeps from a guest value (it goes to the log, never to a client). */
export const MAX_GUEST_MESSAGE = 4096;
