import { createBinancePkg } from '../../subjects/binance-pkg';
import { detectMain } from '../detect-child';

detectMain(createBinancePkg);
