/** The Electron runtime's executable, or null where it was never downloaded (never downloads). */
export function electronBinary(): string | null
