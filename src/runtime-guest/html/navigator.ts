// Navigator (https://html.spec.whatwg.org/multipage/system-state.html#the-navigator-object): the
// WinterTC minimum is `navigator.userAgent`, a single product token. The NavigatorID members
// a worker's navigator has are here too, with the spec's fixed values, and hardwareConcurrency
// is 1 as in Workers (an app gets one thread; the host's core count is not its business).
import { defineInterface, illegalConstructor } from '../core/webidl.js';

let constructing = false;
let isNavigator: (value: unknown) => boolean;

export class Navigator {
  #brand = true;
  constructor() {
    if (!constructing) illegalConstructor();
  }
  static {
    isNavigator = (value) => typeof value === 'object' && value !== null && #brand in value;
  }
  get userAgent(): string {
    return brand(this, 'NANO');
  }
  get appCodeName(): string {
    return brand(this, 'Mozilla');
  }
  get appName(): string {
    return brand(this, 'Netscape');
  }
  /** "Must return either the string "4.0" or a string representing the version of the browser." */
  get appVersion(): string {
    return brand(this, '4.0');
  }
  get platform(): string {
    return brand(this, '');
  }
  get product(): string {
    return brand(this, 'Gecko');
  }
  get hardwareConcurrency(): number {
    return brand(this, 1);
  }
}

function brand<T>(self: unknown, value: T): T {
  if (!isNavigator(self)) throw new TypeError('Illegal invocation');
  return value;
}
defineInterface(Navigator, 'Navigator');

/** The `navigator` global. */
export const navigator: Navigator = (() => {
  constructing = true;
  try {
    return new Navigator();
  } finally {
    constructing = false;
  }
})();
