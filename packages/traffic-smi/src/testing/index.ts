export { trafficSplitCrd } from './TrafficSplitCrd';
