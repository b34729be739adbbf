// Injected into the agent executable's bundle (packaging/buildAgentExecutable.ts) as `import.meta.url`,
// which CommonJS lacks: the URL of the executable itself, as `__filename` is inside a Node single executable.
export const importMetaUrl = require('node:url').pathToFileURL(__filename).href;
