import { main } from '../subject-main';
import { createBinancePkg } from '../subjects/binance-pkg';

main(createBinancePkg);
