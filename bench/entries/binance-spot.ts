import { main } from '../subject-main';
import { createBinanceSpot } from '../subjects/binance-spot';

main(createBinanceSpot);
