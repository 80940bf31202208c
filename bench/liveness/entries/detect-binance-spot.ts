import { createBinanceSpot } from '../../subjects/binance-spot';
import { detectMain } from '../detect-child';

detectMain(createBinanceSpot);
