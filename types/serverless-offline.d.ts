// serverless-offline exports its Lambda pool as a subpath; it ships no type declarations.
declare module 'serverless-offline/lambda' {
  const Lambda: new (serverless: unknown, options: Record<string, unknown>) => unknown;
  export default Lambda;
}
