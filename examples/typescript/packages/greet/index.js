// A tiny npm package, kept in the example so it installs without a registry.
export function greet(greeting, name) {
  return { text: `${greeting}, ${name}!`, length: name.length };
}
