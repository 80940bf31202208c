import { main } from '../subject-main';
import { createOurs } from '../subjects/ours';

main(createOurs);
