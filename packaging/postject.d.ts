/** The part of postject's API (it ships no types) that buildAgentExecutable.ts uses. */
declare module 'postject' {
  export function inject(filename: string, resourceName: string, resourceData: Buffer, options: { sentinelFuse: string; overwrite?: boolean }): Promise<void>;
}
