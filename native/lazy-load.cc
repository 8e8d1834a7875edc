// What the guest runtime needs to load parts of itself on first use, cheaply: an isolated-vm native
// module, instantiated in each app's isolate with ivm.NativeModule (which calls InitForContext),
// with three functions. The guest side is src/runtime-guest/lazy-globals.ts, units.ts and index.ts.
//
// defineLazy(target, name, resolve, attributes) -> boolean
//   Defines `name` on `target` with V8's Object::SetLazyDataProperty: to JavaScript it is an
//   ordinary data property (Object.getOwnPropertyDescriptor gives { value, writable, … }, never
//   get/set), but its value is computed by `resolve(name)` on first access and then stored in
//   place. This is how V8 embedders (Chrome, workerd) install web APIs without paying for those a
//   page or worker never touches; isolated-vm does not expose it. `attributes` is V8's
//   PropertyAttribute bit set: 1 ReadOnly, 2 DontEnum, 4 DontDelete.
//
// compileUnit(name, source, run) -> whatever run returns
//   Compiles `source` as a script named `name` (a runtime unit, whose value is a function, or the
//   runtime itself), runs it, and calls
//   `run(thatFunction)`. The first isolate to compile a unit then stores V8's code cache for it,
//   process-wide, including the functions `run` compiled; later isolates compile from that cache
//   instead of parsing. Measured for the streams unit (61 KiB): first use 3.4 ms without a cache.
//
// Built by scripts/build.mjs when a C++ compiler and Node's headers are present; without it the
// host runs dist/guest/runtime-eager.js, which has every unit bundled in and installs all globals
// at start-up.
#include <v8.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

void Resolve(v8::Local<v8::Name> property, const v8::PropertyCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  v8::Local<v8::Value> argv[1] = {property};
  v8::Local<v8::Value> value;
  // On an exception nothing is returned: the exception propagates and the property stays lazy.
  if (info.Data().As<v8::Function>()->Call(context, v8::Undefined(isolate), 1, argv).ToLocal(&value)) {
    info.GetReturnValue().Set(value);
  }
}

void ThrowTypeError(v8::Isolate* isolate, const char* message) {
  isolate->ThrowException(v8::Exception::TypeError(v8::String::NewFromUtf8(isolate, message).ToLocalChecked()));
}

void DefineLazy(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  if (info.Length() < 4 || !info[0]->IsObject() || !info[1]->IsName() || !info[2]->IsFunction() || !info[3]->IsUint32()) {
    ThrowTypeError(isolate, "defineLazy(target: object, name: string | symbol, resolve: function, attributes: uint32)");
    return;
  }
  const uint32_t attributes = info[3].As<v8::Uint32>()->Value() & (v8::ReadOnly | v8::DontEnum | v8::DontDelete);
  const v8::Maybe<bool> defined = info[0].As<v8::Object>()->SetLazyDataProperty(
      isolate->GetCurrentContext(), info[1].As<v8::Name>(), Resolve, info[2], static_cast<v8::PropertyAttribute>(attributes));
  if (defined.IsJust()) info.GetReturnValue().Set(defined.FromJust());
}

// Code caches shared by every isolate in the process (isolates run on several threads, hence the
// lock). A cache V8 rejects is made again. The key is the unit's name and the address and length
// of its source's bytes: the host hands every isolate the same external string bytes, so only
// those hit the cache. V8 checks a cache against the source's length, not its content, so keying
// by name alone would let a different source of the same length run another's bytecode; a source
// that is not an external string is compiled without a cache.
std::mutex cache_lock;
std::unordered_map<std::string, std::shared_ptr<const std::vector<uint8_t>>> caches;

std::string CacheKey(const std::string& name, v8::Local<v8::String> source) {
  const v8::String::ExternalOneByteStringResource* bytes = source->GetExternalOneByteStringResource();
  if (bytes == nullptr) return std::string();
  return name + '@' + std::to_string(reinterpret_cast<uintptr_t>(bytes->data())) + ':' + std::to_string(bytes->length());
}

std::shared_ptr<const std::vector<uint8_t>> FindCache(const std::string& key) {
  if (key.empty()) return nullptr;
  std::lock_guard<std::mutex> guard(cache_lock);
  auto it = caches.find(key);
  return it == caches.end() ? nullptr : it->second;
}

void CompileUnit(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  if (info.Length() < 3 || !info[0]->IsString() || !info[1]->IsString() || !info[2]->IsFunction()) {
    ThrowTypeError(isolate, "compileUnit(name: string, source: string, run: function)");
    return;
  }
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  const v8::String::Utf8Value utf8_name(isolate, info[0]);
  const std::string name(*utf8_name, utf8_name.length());
  v8::Local<v8::String> filename = info[0].As<v8::String>();

  const std::string key = CacheKey(name, info[1].As<v8::String>());
  const std::shared_ptr<const std::vector<uint8_t>> cache = FindCache(key);
  // The source owns the CachedData object, not its bytes (BufferNotOwned); `cache` keeps those
  // alive until compilation is done.
  v8::ScriptCompiler::Source source(
      info[1].As<v8::String>(), v8::ScriptOrigin(filename),
      cache == nullptr ? nullptr
                       : new v8::ScriptCompiler::CachedData(cache->data(), static_cast<int>(cache->size()),
                                                            v8::ScriptCompiler::CachedData::BufferNotOwned));
  v8::Local<v8::Script> script;
  if (!v8::ScriptCompiler::Compile(context, &source,
                                   cache == nullptr ? v8::ScriptCompiler::kNoCompileOptions : v8::ScriptCompiler::kConsumeCodeCache)
           .ToLocal(&script)) {
    return;
  }
  const bool make_cache = !key.empty() && (cache == nullptr || source.GetCachedData()->rejected);

  v8::Local<v8::Value> factory;
  if (!script->Run(context).ToLocal(&factory)) return;
  v8::Local<v8::Value> argv[1] = {factory};
  v8::Local<v8::Value> result;
  if (!info[2].As<v8::Function>()->Call(context, v8::Undefined(isolate), 1, argv).ToLocal(&result)) return;

  if (make_cache) {
    std::unique_ptr<v8::ScriptCompiler::CachedData> made(v8::ScriptCompiler::CreateCodeCache(script->GetUnboundScript()));
    if (made != nullptr && made->length > 0) {
      auto bytes = std::make_shared<const std::vector<uint8_t>>(made->data, made->data + made->length);
      std::lock_guard<std::mutex> guard(cache_lock);
      caches[key] = std::move(bytes);
    }
  }
  info.GetReturnValue().Set(result);
}

// reduceMemory(): a memory-reducing full GC of this isolate now (what V8 does when the system is
// low on memory), for an isolate that went idle.
void ReduceMemory(const v8::FunctionCallbackInfo<v8::Value>& info) {
  info.GetIsolate()->LowMemoryNotification();
}

void Export(v8::Isolate* isolate, v8::Local<v8::Context> context, v8::Local<v8::Object> target, const char* name,
            v8::FunctionCallback callback, int length) {
  v8::Local<v8::Function> fn;
  if (v8::Function::New(context, callback, v8::Local<v8::Value>(), length).ToLocal(&fn)) {
    target->Set(context, v8::String::NewFromUtf8(isolate, name).ToLocalChecked(), fn).Check();
  }
}

}  // namespace

extern "C" __attribute__((visibility("default"))) void InitForContext(v8::Isolate* isolate, v8::Local<v8::Context> context,
                                                                      v8::Local<v8::Object> target) {
  Export(isolate, context, target, "defineLazy", DefineLazy, 4);
  Export(isolate, context, target, "compileUnit", CompileUnit, 3);
  Export(isolate, context, target, "reduceMemory", ReduceMemory, 0);
}
