// The `form` runtime unit's entry (units.ts): FormData, File and multipart/form-data encoding and
// parsing, which most apps never use. body.ts reaches it through `form()` in body.ts; index.ts
// installs FormData and File as lazy globals from it.
export { FormData, isFormData } from './form-data.js';
export { File } from '../file/file.js';
export { encodeMultipart, parseFormBody } from './multipart.js';
