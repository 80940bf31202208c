import { main } from '../subject-main';
import { createCcxt } from '../subjects/ccxt';

main(createCcxt);
