import { CONFIG_NS } from '../../../../src/reload/config/overlay-config.js';

/** A one-configuration document with our usual prefixes; `inner` goes inside <configuration>. */
export function doc(inner: string, attrs = ''): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<overlay xmlns="${CONFIG_NS.base}" xmlns:chord="${CONFIG_NS.chord}" xmlns:sip="${CONFIG_NS.sip}" xmlns:p2psip="${CONFIG_NS.p2psip}">`,
    `<configuration instance-name="example.org"${attrs}>${inner}</configuration>`,
    '</overlay>',
  ].join('\n');
}

/** A document with one private kind whose body is `kindInner`. */
export function kindDoc(kindInner: string, kindAttrs = 'id="4026531841"'): string {
  return doc(
    `<required-kinds><kind-block><kind ${kindAttrs}>${kindInner}</kind></kind-block></required-kinds>`,
  );
}

export const PRIVATE_KIND_BODY =
  '<data-model>SINGLE</data-model><access-control>NODE-MATCH</access-control><max-count>1</max-count><max-size>10</max-size>';
