// Assertions on HeapgraphApi calls shared by the backend and transport tests.
import { expect } from 'vitest'
import { ApiError } from '../../shared/protocol'

/** Resolves with the ApiError a call fails with; fails the test if it succeeds or throws else. */
export async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError)
    return error as ApiError
  }
  throw new Error('expected the call to fail')
}
