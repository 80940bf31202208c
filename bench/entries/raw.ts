import { main } from '../subject-main';
import { createRaw } from '../subjects/raw';

main(createRaw);
