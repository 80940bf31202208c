import { consumerMain } from '../consumer-child';

consumerMain();
