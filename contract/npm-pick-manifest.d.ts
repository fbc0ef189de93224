// npm-pick-manifest ships no types; this is the part of its API contract/versions.ts uses.
declare module 'npm-pick-manifest' {
  interface Manifest {
    version: string;
    deprecated?: string;
  }
  interface Packument {
    name?: string;
    'dist-tags': Record<string, string>;
    versions: Record<string, Manifest>;
  }
  function pickManifest(packument: Packument, wanted: string, opts?: { defaultTag?: string }): Manifest;
  export default pickManifest;
}
