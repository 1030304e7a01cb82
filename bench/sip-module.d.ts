// The npm `sip` package ships no types; the benchmark uses only its message parser.
declare module 'sip' {
  export function parse(text: string): unknown;
}
