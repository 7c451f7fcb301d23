// Vite's asset imports: `import url from './file?url'` gives the file's URL in the build.
declare module '*?url' {
  const url: string
  // eslint-disable-next-line no-restricted-syntax -- Vite gives these modules a default export
  export default url
}
