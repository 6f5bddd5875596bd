import type { ElementType } from "../batch/types.js";

/** Bytes per value of each element type. */
export const ITEM_SIZE: Record<ElementType, number> = {
  bool: 1,
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  int64: 8,
  uint64: 8,
  float32: 4,
  float64: 8,
};

/** Element types of the TLeaf classes holding plain numbers, signed and unsigned. */
const LEAF_TYPES: Record<string, [ElementType, ElementType]> = {
  TLeafO: ["bool", "bool"],
  TLeafB: ["int8", "uint8"],
  TLeafS: ["int16", "uint16"],
  TLeafI: ["int32", "uint32"],
  TLeafL: ["int64", "uint64"],
  TLeafG: ["int64", "uint64"],
  TLeafF: ["float32", "float32"],
  TLeafD: ["float64", "float64"],
};

export function leafElementType(className: string, unsigned: boolean): ElementType | undefined {
  const t = LEAF_TYPES[className];
  return t ? t[unsigned ? 1 : 0] : undefined;
}

/** C++ spellings of the numeric types, as ROOT writes them in class names. */
const CPP_TYPES: Record<string, ElementType> = {
  bool: "bool",
  Bool_t: "bool",
  // uproot reads every char container as int8 (ATLAS stores flags and small counts this way).
  char: "int8",
  "signed char": "int8",
  Char_t: "int8",
  int8_t: "int8",
  "std::int8_t": "int8",
  "unsigned char": "uint8",
  UChar_t: "uint8",
  uint8_t: "uint8",
  "std::uint8_t": "uint8",
  short: "int16",
  "short int": "int16",
  "signed short": "int16",
  Short_t: "int16",
  int16_t: "int16",
  "std::int16_t": "int16",
  "unsigned short": "uint16",
  "unsigned short int": "uint16",
  UShort_t: "uint16",
  uint16_t: "uint16",
  "std::uint16_t": "uint16",
  int: "int32",
  signed: "int32",
  "signed int": "int32",
  Int_t: "int32",
  int32_t: "int32",
  "std::int32_t": "int32",
  "unsigned int": "uint32",
  unsigned: "uint32",
  UInt_t: "uint32",
  uint32_t: "uint32",
  "std::uint32_t": "uint32",
  long: "int64",
  "long int": "int64",
  "signed long": "int64",
  "long long": "int64",
  "long long int": "int64",
  "signed long long": "int64",
  Long_t: "int64",
  Long64_t: "int64",
  int64_t: "int64",
  "std::int64_t": "int64",
  "unsigned long": "uint64",
  "unsigned long int": "uint64",
  "unsigned long long": "uint64",
  "unsigned long long int": "uint64",
  ULong_t: "uint64",
  ULong64_t: "uint64",
  uint64_t: "uint64",
  "std::uint64_t": "uint64",
  float: "float32",
  Float_t: "float32",
  double: "float64",
  Double_t: "float64",
};

/** How uproot prints each element type. */
export const TYPE_NAMES: Record<ElementType, string> = {
  bool: "bool",
  int8: "int8_t",
  uint8: "uint8_t",
  int16: "int16_t",
  uint16: "uint16_t",
  int32: "int32_t",
  uint32: "uint32_t",
  int64: "int64_t",
  uint64: "uint64_t",
  float32: "float",
  float64: "double",
};

/** A parsed C++ type: a name with template arguments. */
export interface CppType {
  name: string;
  args: CppType[];
}

/** Parses a ROOT class name such as `vector<vector<int> >` or `map<int,short>`. */
export function parseCppType(text: string): CppType {
  let pos = 0;
  const parse = (): CppType => {
    let name = "";
    while (pos < text.length && !"<>,".includes(text[pos]!)) name += text[pos++];
    const args: CppType[] = [];
    if (text[pos] === "<") {
      pos++;
      for (;;) {
        args.push(parse());
        if (text[pos] === ",") {
          pos++;
          continue;
        }
        if (text[pos] === ">") pos++;
        break;
      }
    }
    return { name: name.trim().replace(/\s+/g, " "), args };
  };
  return parse();
}

const STD_NAMES = new Set(["vector", "map", "set", "unordered_map", "unordered_set", "list", "deque", "multimap", "multiset", "string", "pair"]);

/** Drops allocator arguments and the std:: / ROOT namespaces so types compare by meaning. */
export function normaliseType(t: CppType): CppType {
  let name = t.name.replace(/^std::/, "");
  if (name === "ROOT::VecOps::RVec" || name === "ROOT::RVec") name = "RVec";
  let args = t.args.filter((a) => !/allocator|Allocator/.test(a.name)).map(normaliseType);
  if (name === "vector" || name === "set" || name === "RVec") args = args.slice(0, 1);
  if (name === "map") args = args.slice(0, 2);
  return { name, args };
}

/**
 * normaliseType(parseCppType(text)), kept by text: a tree repeats a few class names over many
 * branches, and parsing each again was a tenth of opening a tree (uproot-HZZ-objects' 58
 * branches). Bounded, since a process may open files of many classes. The types are shared:
 * callers must not change them.
 */
export function normalisedType(text: string): CppType {
  let t = NORMALISED.get(text);
  if (!t) {
    if (NORMALISED.size >= 1024) NORMALISED.clear();
    NORMALISED.set(text, (t = normaliseType(parseCppType(text))));
  }
  return t;
}
const NORMALISED = new Map<string, CppType>();

/** uproot's spelling of a normalised type: `std::vector<int32_t>`, `std::map<int32_t, int16_t>`. */
export function formatType(t: CppType): string {
  const numeric = CPP_TYPES[t.name];
  if (numeric && t.args.length === 0) return TYPE_NAMES[numeric];
  const name = STD_NAMES.has(t.name) ? `std::${t.name}` : t.name;
  if (t.args.length === 0) return name;
  return `${name}<${t.args.map(formatType).join(", ")}>`;
}

export function cppElementType(t: CppType): ElementType | undefined {
  return t.args.length === 0 ? CPP_TYPES[t.name] : undefined;
}

/** Fixed dimensions written in a leaf title, e.g. `x[2][3]` -> [2, 3]; counted dimensions excluded. */
export function fixedDimensions(title: string): number[] {
  const dims: number[] = [];
  if (!title.includes("[")) return dims;
  for (const m of title.matchAll(/\[([^\]]+)\]/g)) {
    const d = Number(m[1]);
    if (Number.isInteger(d)) dims.push(d);
  }
  return dims;
}
