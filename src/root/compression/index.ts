export { decompressBasket, decompressBasketSync } from "./basket.js";
