// DOMException (https://webidl.spec.whatwg.org/#idl-DOMException): name, message and the legacy code table.
import { defineInterface, toDOMString } from './webidl.js';

const LEGACY_CODES: Record<string, number> = {
  IndexSizeError: 1, HierarchyRequestError: 3, WrongDocumentError: 4, InvalidCharacterError: 5,
  NoModificationAllowedError: 7, NotFoundError: 8, NotSupportedError: 9, InUseAttributeError: 10,
  InvalidStateError: 11, SyntaxError: 12, InvalidModificationError: 13, NamespaceError: 14,
  InvalidAccessError: 15, TypeMismatchError: 17, SecurityError: 18, NetworkError: 19, AbortError: 20,
  URLMismatchError: 21, QuotaExceededError: 22, TimeoutError: 23, InvalidNodeTypeError: 24, DataCloneError: 25,
};

const state = new WeakMap<object, { name: string; message: string }>();

export class DOMException extends Error {
  constructor(message: unknown = '', name: unknown = 'Error') {
    super();
    const data = { message: toDOMString(message), name: toDOMString(name) };
    // super() without arguments leaves no own `message`, so the prototype getters below apply.
    state.set(this, data);
  }
  override get name(): string {
    return brand(this).name;
  }
  override get message(): string {
    return brand(this).message;
  }
  get code(): number {
    return LEGACY_CODES[brand(this).name] ?? 0;
  }
}

function brand(self: unknown): { name: string; message: string } {
  const s = state.get(self as object);
  if (s === undefined) throw new TypeError('Illegal invocation');
  return s;
}

/** The legacy code constants, on the interface object and its prototype. */
const CONSTANTS: Record<string, number> = {
  INDEX_SIZE_ERR: 1, DOMSTRING_SIZE_ERR: 2, HIERARCHY_REQUEST_ERR: 3, WRONG_DOCUMENT_ERR: 4,
  INVALID_CHARACTER_ERR: 5, NO_DATA_ALLOWED_ERR: 6, NO_MODIFICATION_ALLOWED_ERR: 7, NOT_FOUND_ERR: 8,
  NOT_SUPPORTED_ERR: 9, INUSE_ATTRIBUTE_ERR: 10, INVALID_STATE_ERR: 11, SYNTAX_ERR: 12,
  INVALID_MODIFICATION_ERR: 13, NAMESPACE_ERR: 14, INVALID_ACCESS_ERR: 15, VALIDATION_ERR: 16,
  TYPE_MISMATCH_ERR: 17, SECURITY_ERR: 18, NETWORK_ERR: 19, ABORT_ERR: 20, URL_MISMATCH_ERR: 21,
  QUOTA_EXCEEDED_ERR: 22, TIMEOUT_ERR: 23, INVALID_NODE_TYPE_ERR: 24, DATA_CLONE_ERR: 25,
};
defineInterface(DOMException, 'DOMException', { constants: CONSTANTS });

/** Brand check, for structuredClone (DOMException is [Serializable]). */
export function isDOMException(value: unknown): value is DOMException {
  return state.has(value as object);
}
