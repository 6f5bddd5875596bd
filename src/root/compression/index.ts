export { decompressBasket } from "./basket.js";
