import { createOurs } from '../../subjects/ours';
import { detectMain } from '../detect-child';

detectMain(createOurs);
