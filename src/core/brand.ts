declare const brand: unique symbol;

/** A nominal type: a `T` that only the named constructor functions hand out. */
export type Brand<T, B extends string> = T & { readonly [brand]: B };
