export declare const repo: string
export declare function startBackend(): Promise<{ baseUrl: string; stop: () => Promise<void> }>
